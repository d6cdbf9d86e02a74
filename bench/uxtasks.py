"""The top tasks of issue 16 on a phone, as scripts that a person would follow: a recorder wrapping a
Playwright page counts what the person does (taps, typed fields, scrolling, time), and one function per task
drives the pages from the role's home (« Aujourd'hui ») to the task's end, locating everything by role and
accessible name (what people see and hear), never by CSS class.

Used by ``bench/ux.py`` (the table of figures, on a fresh demo) and ``tests/browser/test_ux_tasks.py`` (the
same scripts in CI, asserting that each task was done: the message stored, the slots published...).

A task whose page or control does not exist raises ``TaskFailed`` naming what was looked for, where: nothing
is ever counted as done without its visible confirmation. The names each task looks for are at the top of its
function, to adapt them in one place when a page changes.

How things are counted (a phone, 390 × 844, touch):
- a tap: one touch on a link, button, checkbox, or one option of a list; choosing in a drop-down list counts 2
  (open it, pick the option);
- a typed field: one text input filled (the tap that focuses it is not counted as well);
- scrolling: the distance the page (and any scrolling container) moved to bring what the person touches or
  reads into view, measured from ``window.scrollY`` and the containers' ``scrollTop`` before and after;
- seconds: the scripted wall time from the home page on screen to the confirmation on screen (page loads
  included, no human reading or typing time: a lower bound of what a person needs);
- taps to reach: taps from the home page until the task's page is on screen (the issue's goal: at most 3).
"""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")
SCREEN = {"width": 390, "height": 844}
SCREEN_PX = SCREEN["height"]
GOAL_TAPS = 3  # from « Aujourd'hui » to the task's page
GOAL_SCROLL_PX = SCREEN_PX  # at most one screen of scrolling
GOAL_SECONDS = 10.0  # scripted time: leaves a person well under 30 s for reading and typing
WAIT_MS = 10_000  # how long a page may take to show what is looked for

SLUG = "cpts-bugey-sud"
DOMAIN = "demo.opencpts.test"
HOME_PATH = f"/c/{SLUG}/"  # the role's home once a CPTS is chosen
HOME_NAME = "Aujourd'hui"  # what the home must be called (issue 16, point 2)
MENU = "Menu"  # the button opening the full menu (top bar and phone's bottom bar)
GP = f"medecin@{DOMAIN}"
COORDINATOR = f"coordination@{DOMAIN}"
TRUSTING = (
    f"bureau@{DOMAIN}"  # (g) a member who trusts her phone (any account; not the GP: a fresh TOTP code)
)

CONTEXT_OPTIONS = {
    "locale": "fr-FR",
    "timezone_id": "Europe/Paris",
    "viewport": SCREEN,
    "screen": SCREEN,
    "has_touch": True,
    "is_mobile": True,
    "device_scale_factor": 3,
}


class TaskFailed(Exception):
    """The task could not be done: what was missing, on which page."""


@dataclass
class Measure:
    key: str
    title: str
    account: str
    taps_to_reach: int | None = None
    taps: int = 0
    typed: int = 0
    chars: int = 0
    scroll_px: int = 0
    seconds: float = 0.0
    completed: bool = False
    failure: str = ""
    notes: list[str] = field(default_factory=list)
    evidence: dict = field(default_factory=dict)
    steps: list[str] = field(default_factory=list)  # what was done, in order, with the scrolling it took

    def goals(self) -> dict[str, bool]:
        return {
            "taps": self.taps_to_reach is not None and self.taps_to_reach <= GOAL_TAPS,
            "scroll": self.scroll_px <= GOAL_SCROLL_PX,
            "time": self.seconds <= GOAL_SECONDS,
            "home": not any(n.startswith("départ") for n in self.notes),
        }

    def verdict(self) -> str:
        if not self.completed:
            return "ÉCHEC : " + self.failure
        missed = [
            {
                "taps": f"{self.taps_to_reach} taps pour arriver (> {GOAL_TAPS})",
                "scroll": f"{self.scroll_px} px de défilement (> 1 écran)",
                "time": f"{self.seconds:.1f} s (> {GOAL_SECONDS:.0f} s)",
                "home": f"départ hors « {HOME_NAME} »",
            }[goal]
            for goal, met in self.goals().items()
            if not met
        ]
        return "objectif atteint" if not missed else "hors objectif : " + ", ".join(missed)

    def as_dict(self) -> dict:
        return {**asdict(self), "goals": self.goals(), "verdict": self.verdict()}


# The scroll a person does to bring an element into view, measured on the window and on every scrolling
# ancestor: the smallest move first; to the centre when something fixed (a bottom bar) still covers it.
_SCROLL_INTO_VIEW = """(el) => {
  const root = document.scrollingElement;
  const scrollers = [];
  for (let a = el.parentElement; a && a !== root && a !== document.body; a = a.parentElement) {
    scrollers.push(a);
  }
  const tops = () => [window.scrollY, ...scrollers.map((a) => a.scrollTop)];
  const hit = () => {
    const r = el.getBoundingClientRect();
    if (r.bottom <= 0 || r.top >= window.innerHeight) return false;
    const x = Math.min(Math.max(r.left + r.width / 2, 0), window.innerWidth - 1);
    const y = Math.min(Math.max(r.top + Math.min(r.height, 40) / 2, 0), window.innerHeight - 1);
    const at = document.elementFromPoint(x, y);
    const label = el.labels && el.labels.length ? el.labels[0] : null;
    return !!at && (el.contains(at) || at.contains(el) || (label && (label.contains(at) || at === label)));
  };
  const before = tops();
  if (!hit()) {
    el.scrollIntoView({block: 'nearest', inline: 'nearest', behavior: 'instant'});
    if (!hit()) el.scrollIntoView({block: 'center', inline: 'nearest', behavior: 'instant'});
  }
  const after = tops();
  return before.reduce((sum, v, i) => sum + Math.abs(after[i] - v), 0);
}"""


class Recorder:
    """A Playwright page and what the person did on it."""

    def __init__(self, page, demo: Demo, measure: Measure):
        self.page = page
        self.demo = demo
        self.base_url = demo.base_url.rstrip("/")
        self.m = measure
        self._started = 0.0

    # --- the starting point (not counted) ---------------------------------------------------------------
    def start(self, path: str, home_check: bool = True) -> None:
        """Open the task's starting page, then start the clock."""
        self.page.goto(self.base_url + path)
        self.page.wait_for_load_state()
        if home_check and not self.at_home():
            self.m.notes.append(f"départ : la page d'accueil n'est pas « {HOME_NAME} » ({path})")
        self._started = time.perf_counter()

    def at_home(self) -> bool:
        """The page is « Aujourd'hui »: its title, or the menu's current entry."""
        if self.present(self.page.get_by_role("heading", name=re.compile(f"^{HOME_NAME}"))):
            return True
        entry = self.page.get_by_role("link", name=HOME_NAME, exact=True).filter(visible=True)
        return entry.count() > 0 and entry.first.get_attribute("aria-current") == "page"

    def arrived(self) -> None:
        """The task's page is on screen: the taps so far are the taps to reach it."""
        if self.m.taps_to_reach is None:
            self.m.taps_to_reach = self.m.taps

    def done(self, **evidence) -> None:
        self.m.seconds = round(time.perf_counter() - self._started, 2)
        self.m.completed = True
        self.m.evidence.update(evidence)

    # --- finding -----------------------------------------------------------------------------------------
    def find(self, locator, what: str, timeout: int = WAIT_MS):
        """The first visible element of ``locator``, or TaskFailed naming ``what`` and the page."""
        from playwright.sync_api import TimeoutError as PlaywrightTimeout

        visible = locator.filter(visible=True).first
        try:
            visible.wait_for(state="visible", timeout=timeout)
        except PlaywrightTimeout:
            path = self.page.url.removeprefix(self.base_url)
            raise TaskFailed(f"{what} introuvable sur {path}{self._page_says()}") from None
        return visible

    def _page_says(self) -> str:
        """The page's own error, if it shows one (an alert)."""
        alerts = self.page.get_by_role("alert").filter(visible=True)
        texts = [" ".join(t.split()) for t in alerts.all_inner_texts() if t.strip()]
        return f" (la page dit : « {texts[0][:160]} »)" if texts else ""

    def present(self, locator, timeout: int = 0) -> bool:
        """Whether ``locator`` is on the page (below the fold included), without counting anything."""
        visible = locator.filter(visible=True)
        if timeout:
            try:
                visible.first.wait_for(state="visible", timeout=timeout)
            except Exception:  # noqa: BLE001 - a timeout: not there
                return False
        return visible.count() > 0

    # --- what the person does (counted) ------------------------------------------------------------------
    def _into_view(self, element) -> int:
        moved = round(element.evaluate(_SCROLL_INTO_VIEW))
        self.m.scroll_px += moved
        return moved

    def _step(self, action: str, what: str, moved: int) -> None:
        self.m.steps.append(f"{action} {what}" + (f" (défilement {moved} px)" if moved else ""))

    def scroll_to(self, locator, what: str):
        """The person scrolls until ``what`` is on screen (to read it)."""
        element = self.find(locator, what)
        self._step("lire", what, self._into_view(element))
        return element

    def tap(self, locator, what: str) -> None:
        element = self.find(locator, what)
        self._step("toucher", what, self._into_view(element))
        href = element.get_attribute("href") if element.evaluate("(e) => e.tagName") == "A" else None
        if href and not href.startswith(("#", "tel:", "mailto:")):
            with self.page.expect_navigation(timeout=WAIT_MS):  # a link: the next page, before looking on
                element.tap()
        else:
            element.tap()
        self.m.taps += 1

    def check(self, locator, what: str) -> None:
        """Tick a checkbox (a tap only when it is not ticked already)."""
        element = self.find(locator, what)
        if not element.is_checked():
            self._step("cocher", what, self._into_view(element))
            element.tap()
            self.m.taps += 1
            if not element.is_checked():
                element.check()  # a visually replaced checkbox whose label took the tap
        if not element.is_checked():
            raise TaskFailed(f"{what} ne se coche pas")

    def fill(self, locator, text: str, what: str) -> None:
        element = self.find(locator, what)
        if element.input_value() == text:
            return  # already there (remembered, or the default): nothing to type
        self._step("saisir", what, self._into_view(element))
        element.fill(text)
        self.m.typed += 1
        self.m.chars += len(text)

    def navigate(self, name, what: str, via=None) -> None:
        """Go to the page of the link ``name`` as a person would: the link on this page (a shortcut, the
        bottom bar), else through « Menu », else through the link ``via`` first."""
        link = self.page.get_by_role("link", name=name)
        if self.present(link):
            self.tap(link, what)
            return
        menu = self.page.get_by_role("button", name=MENU, exact=True)
        if self.present(menu):
            self.tap(menu, "bouton « Menu »")
            self.tap(self.page.get_by_role("dialog").get_by_role("link", name=name), f"{what} dans le menu")
            return
        if via is not None and self.present(self.page.get_by_role("link", name=via)):
            self.tap(self.page.get_by_role("link", name=via), f"lien « {via} »")
            self.tap(self.page.get_by_role("link", name=name), what)
            return
        raise TaskFailed(
            f"{what} ni sur la page ni dans un menu ({self.page.url.removeprefix(self.base_url)})"
        )

    def choose(self, locator, label, what: str) -> None:
        """Pick the option ``label`` (a string or a pattern) in a drop-down list: open it, pick (2 taps);
        nothing when it is already chosen."""
        element = self.find(locator, what)
        options = element.evaluate("(e) => [...e.options].map((o) => [o.label, o.selected])")
        matching = [
            text for text, _ in options if (label.search(text) if hasattr(label, "search") else text == label)
        ]
        if not matching:
            raise TaskFailed(f"« {getattr(label, 'pattern', label)} » absent de {what}")
        if any(selected and text == matching[0] for text, selected in options):
            return
        self._step("choisir", f"« {matching[0]} » dans {what}", self._into_view(element))
        element.select_option(label=matching[0])
        self.m.taps += 2


@dataclass
class Demo:
    """Where the demo runs and how its accounts log in (``code_for(email)``: a fresh TOTP code)."""

    base_url: str
    password: str
    code_for: Callable[[str], str]


def log_in(page, demo: Demo, email: str, trust_device: bool = False) -> None:
    """Through the real login pages (not counted in the tasks): e-mail, password, then the TOTP code."""
    page.goto(demo.base_url + "/connexion/")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(demo.password)
    page.get_by_role("button", name="Se connecter").click()
    try:
        page.wait_for_url(re.compile(r"/compte/verification/"), timeout=WAIT_MS)
    except Exception:  # noqa: BLE001 - Playwright's timeout: say where the login stopped
        raise TaskFailed(f"connexion de {email} : pas de second facteur demandé ({page.url})") from None
    for _ in range(2):
        page.get_by_label(re.compile("Code à 6 chiffres")).fill(demo.code_for(email))
        if trust_device:
            trust = page.get_by_role("checkbox", name=TRUST_DEVICE)
            if not trust.count():
                raise TaskFailed("case « Faire confiance à cet appareil » absente après le second facteur")
            trust.check()
        with page.expect_navigation():
            page.get_by_role("button", name="Valider").click()
        if "/compte/verification/" not in page.url:
            return
        time.sleep(31 - time.time() % 30)  # this 30-second step's code was used already: the next one
    raise TaskFailed(f"connexion de {email} : code TOTP refusé")


def log_out(page) -> None:
    """« Se déconnecter », in the menu when there is one."""
    logout = page.get_by_role("button", name="Se déconnecter").filter(visible=True)
    if not logout.count():
        page.get_by_role("button", name=MENU, exact=True).filter(visible=True).first.click()
    logout.first.click()
    page.wait_for_url(re.compile(r"/connexion/|/$"))


def textbox(scope, name):
    """A text input by its accessible name (its label without what screen readers skip, like « * »)."""
    return scope.get_by_role("textbox", name=name, exact=True)


def combobox(scope, name):
    return scope.get_by_role("combobox", name=name, exact=True)


# ----------------------------------------------------------------------------------------------- the tasks
# Each task: (recorder) -> None, starting on the role's home, ending on the visible confirmation.


def post_message(rec: Recorder) -> None:
    """(a) The GP posts a message in a care circle of the demo."""
    circle = re.compile(r"^(Prise en charge de )?Odette LEMAIRE")  # the demo's first circle (not its events)
    messages = re.compile(r"^(Messages|Groupes|Cercles de soins)\b")
    composer = re.compile(r"^(Message|Votre message|Répondre à .*)$")
    send = re.compile(r"^(Envoyer|Répondre)$")
    text = f"Passage prévu demain matin ({time.strftime('%H:%M:%S')}), je vérifie le pansement."

    rec.start(HOME_PATH)
    if not rec.present(rec.page.get_by_role("link", name=circle)):  # not among today's conversations
        rec.navigate(messages, "lien « Messages »")
    rec.tap(rec.page.get_by_role("link", name=circle), "lien vers le cercle de soins d'Odette LEMAIRE")
    rec.arrived()
    box = rec.page.get_by_role("textbox", name=composer)
    form = rec.page.locator("form").filter(has=box).first  # the composer's own send button
    rec.fill(form.get_by_role("textbox", name=composer), text, "zone de saisie du message")
    rec.tap(form.get_by_role("button", name=send), "bouton « Envoyer »")
    rec.scroll_to(rec.page.get_by_text(text), "le message envoyé, dans la conversation")
    rec.done(text=text)


def next_monday(today: dt.date | None = None) -> dt.date:
    today = today or dt.datetime.now(tz=PARIS).date()
    return today + dt.timedelta(days=7 - today.weekday())


def publish_slots(rec: Recorder) -> None:
    """(b) The GP publishes next week's slots, Monday to Friday, 18:00 to 20:00 (replacing the free slots of
    her weekly availability that overlap: the demo GP has some from 17:30 to 18:50)."""
    mine = re.compile(r"^(Publier des créneaux|Mes créneaux)$")
    add = re.compile(r"^Ajouter des créneaux$")
    once = re.compile(r"^(✓ )?Une semaine$")
    week_label, week = "Semaine", re.compile(r"^Semaine prochaine")
    weekdays, weekend = ["lundi", "mardi", "mercredi", "jeudi", "vendredi"], ["samedi", "dimanche"]
    start, end = "De", "À"
    preview = "Voir l'aperçu"
    publish = re.compile(r"^(Remplacer|Publier \d+ créneaux?)$")  # « Remplacer » when some overlap
    confirmation = re.compile(r"(\d+) créneaux? publiés?")

    def day(name: str):
        return rec.page.get_by_role("checkbox", name=re.compile(f"^(✓ )?{name}$", re.IGNORECASE))

    rec.start(HOME_PATH)
    rec.navigate(mine, "lien « Publier des créneaux »", via=re.compile(r"^Soins non programmés"))
    if not rec.present(textbox(rec.page, start)):  # the week first: its « Ajouter des créneaux »
        rec.tap(rec.page.get_by_role("link", name=add), "lien « Ajouter des créneaux »")
    rec.arrived()
    rec.check(rec.page.get_by_role("radio", name=once), "choix « Une semaine »")
    rec.choose(combobox(rec.page, week_label), week, f"liste « {week_label} »")
    for name in weekdays:
        rec.check(day(name), f"case « {name} »")
    for name in weekend:
        if rec.present(day(name)) and day(name).is_checked():
            rec.tap(day(name), f"case « {name} »")
    rec.fill(textbox(rec.page, start), "18:00", f"champ « {start} »")
    rec.fill(textbox(rec.page, end), "20:00", f"champ « {end} »")
    rec.tap(rec.page.get_by_role("button", name=preview), f"bouton « {preview} »")
    rec.tap(rec.page.get_by_role("button", name=publish), "bouton « Remplacer » (ou « Publier »)")
    said = rec.scroll_to(rec.page.get_by_text(confirmation), "la confirmation « N créneaux publiés »")
    count = int(confirmation.search(said.inner_text()).group(1))
    monday = next_monday()
    rec.done(monday=monday.isoformat(), published=count, confirmation=said.inner_text().strip())


def contact_nurse(rec: Recorder) -> None:
    """(c) The GP finds the nearest nurse who makes home visits around a commune, and contacts her."""
    directory = re.compile(r"^Annuaire")
    where = re.compile(r"^Autour de")
    commune = "Virieu-le-Grand"
    profession, nurse = "Profession", "Infirmier"
    filters = re.compile(r"^Filtres")  # the folded filters (a disclosure), when they are folded
    home_visits = re.compile(r"^Visites à domicile")
    search = "Rechercher"
    write = re.compile(r"\(message direct\)")  # « Écrire à … (message direct) », members only
    call = re.compile(r"^Appeler le ")
    subject, composer = "Sujet", re.compile(r"^(Message|Votre message)$")
    send = re.compile(r"^Envoyer")
    text = "Bonjour, pourriez-vous passer au domicile d'une patiente cette semaine ?"

    rec.start(HOME_PATH)
    rec.navigate(directory, "lien « Annuaire »")
    rec.arrived()
    rec.choose(combobox(rec.page, profession), nurse, f"liste « {profession} »")
    place = rec.page.get_by_role("combobox", name=where).or_(rec.page.get_by_role("textbox", name=where))
    rec.fill(place, commune, "champ « Autour de »")  # a combobox when it suggests communes
    visits = rec.page.get_by_role("checkbox", name=home_visits)
    if not rec.present(visits) and rec.present(rec.page.get_by_text(filters)):
        rec.tap(rec.page.get_by_text(filters), "volet « Filtres »")
    rec.check(visits, "filtre « Visites à domicile »")
    rec.tap(rec.page.get_by_role("button", name=search, exact=True), f"bouton « {search} »")
    first = rec.find(rec.page.get_by_role("main").get_by_role("listitem"), "premier résultat")
    name = rec.find(first.get_by_role("heading").get_by_role("link"), "nom du premier résultat")
    rec.m.evidence["nurse"] = name.inner_text().strip()
    message = first.get_by_role("link", name=write)
    if rec.present(message):
        rec.tap(message, "lien « Écrire » (message direct)")
        topic = rec.page.get_by_role("textbox", name=subject, exact=True)
        if rec.present(topic, timeout=2_000):
            rec.fill(topic, "Visite à domicile", f"champ « {subject} »")
        rec.fill(rec.page.get_by_role("textbox", name=composer), text, "zone de saisie du message")
        rec.tap(rec.page.get_by_role("button", name=send), "bouton « Envoyer »")
        rec.scroll_to(rec.page.get_by_text(text), "le message envoyé")
        rec.done(contact="message", text=text)
        return
    phone = first.get_by_role("link", name=call)
    href = rec.find(phone, "lien « Appeler le … » du premier résultat").get_attribute("href") or ""
    rec.tap(phone, "lien « Appeler le … »")
    rec.done(contact="phone", href=href)


def accept_patient(rec: Recorder) -> None:
    """(d) The GP accepts a patient the coordination proposed to her."""
    proposals = re.compile(
        r"^(Répondre aux propositions|Patients qui me sont proposés|Mes patients proposés)"
    )
    accept = re.compile(r"^(J'accepte ce patient|Accepter)")
    confirmation = re.compile(r"(Merci|accepté)", re.IGNORECASE)

    rec.start(HOME_PATH)
    button = rec.page.get_by_role("button", name=accept)
    if not rec.present(button):  # not answered from the home page: the page of proposals
        rec.navigate(proposals, "lien « Patients qui me sont proposés »")
    rec.arrived()
    proposal = rec.find(
        rec.page.get_by_role("region").filter(has=rec.page.get_by_role("button", name=accept)),
        "une proposition en attente",
    )
    patient = proposal.get_by_role("heading").first.inner_text().strip()
    rec.tap(proposal.get_by_role("button", name=accept), "bouton « J'accepte ce patient »")
    said = rec.scroll_to(rec.page.get_by_role("status").filter(has_text=confirmation), "la confirmation")
    rec.done(patient=patient, confirmation=said.inner_text().strip())


def public_request(rec: Recorder) -> None:
    """(e) A person without a GP sends the public form of the CPTS (no account, from a link or a QR code)."""
    path = f"/medecin-traitant/{SLUG}/"
    person = {"Nom": "TESTEUR", "Prénom": "Camille", "Téléphone": "06 39 98 12 34"}
    birth_label, birth = "Date de naissance", "1958-03-14"
    commune_label, commune = "Commune", "Culoz-Béon (01350)"
    reason_label, reason = "Pourquoi n'avez-vous pas de médecin traitant ?", "J'ai déménagé"
    consent = re.compile(r"^J'accepte que la CPTS conserve")
    send = "Envoyer ma demande"
    confirm = re.compile(r"^(Confirmer|Oui, envoyer|Envoyer quand même)")  # the too-fast step (issue 16, 7)
    reference = re.compile(r"Référence de votre demande")

    rec.start(path, home_check=False)
    rec.arrived()
    for label, value in person.items():
        rec.fill(textbox(rec.page, label), value, f"champ « {label} »")
    rec.fill(textbox(rec.page, birth_label), birth, f"champ « {birth_label} »")
    rec.choose(combobox(rec.page, commune_label), commune, f"liste « {commune_label} »")
    rec.choose(combobox(rec.page, reason_label), reason, "liste « Pourquoi … ? »")
    rec.check(rec.page.get_by_role("checkbox", name=consent), "case du consentement")
    rec.tap(rec.page.get_by_role("button", name=send), f"bouton « {send} »")
    if rec.present(rec.page.get_by_role("button", name=confirm), timeout=2_000):
        rec.m.notes.append("étape de confirmation (envoi rapide)")
        rec.tap(rec.page.get_by_role("button", name=confirm), "bouton de confirmation")
    said = rec.scroll_to(rec.page.get_by_text(reference), "la référence de la demande enregistrée")
    rec.done(last_name=person["Nom"], reference=said.inner_text().strip())


def aci_on_track(rec: Recorder) -> None:
    """(f) The coordinator sees whether this year's objectives are on track (home, else the ACI cockpit)."""
    contract = re.compile(r"^Contrat ACI")
    year = re.compile(r"^(Année \d+ du contrat|Contrat ACI, année)")
    counts = "Indicateurs par verdict"  # « 3 en bonne voie », « 1 à risque », « 2 hors trajectoire »
    verdict = re.compile(r"\d+ (en bonne voie|à risque|hors trajectoire)")

    rec.start(HOME_PATH)
    if not rec.present(rec.page.get_by_role("list", name=counts)):  # not on the home page: the cockpit
        rec.navigate(contract, "lien « Contrat ACI »")
    rec.arrived()
    region = rec.find(rec.page.get_by_role("region", name=year), "la section de l'année du contrat")
    said = rec.scroll_to(region.get_by_role("list", name=counts), f"la liste « {counts} »")
    found = verdict.findall(said.inner_text())
    if not found:
        raise TaskFailed("aucun indicateur « en bonne voie / à risque / hors trajectoire » dans l'année")
    rec.done(verdict=" ; ".join(said.inner_text().split("\n")), verdicts=len(found))


TRUST_DEVICE = re.compile(r"^Faire confiance à cet appareil")


def trusted_login(rec: Recorder) -> None:
    """(g) A member logs in on her phone, trusted once before: password only, no second factor."""
    email_label, password_label, submit = "Adresse e-mail", "Mot de passe", "Se connecter"
    second_factor = re.compile(r"/compte/verification/")

    rec.start("/connexion/", home_check=False)
    rec.arrived()
    rec.fill(textbox(rec.page, email_label), TRUSTING, f"champ « {email_label} »")
    password = rec.page.get_by_label(password_label)  # a password input has no role
    rec.fill(password, rec.demo.password, f"champ « {password_label} »")
    rec.tap(rec.page.get_by_role("button", name=submit), f"bouton « {submit} »")
    rec.page.wait_for_url(lambda url: "/connexion/" not in url, timeout=WAIT_MS)
    if second_factor.search(rec.page.url):
        raise TaskFailed("le second facteur est redemandé sur l'appareil de confiance")
    signed_in = rec.page.get_by_role("button", name=re.compile(f"^({MENU}|Se déconnecter)$"))
    rec.find(signed_in, "bouton « Menu » (connectée)")
    rec.done(url=rec.page.url.removeprefix(rec.base_url))


@dataclass
class Task:
    key: str
    title: str
    account: str | None  # logged in before the task starts (None: anonymous)
    run: Callable[[Recorder], None]


TASKS = [
    Task("a", "Écrire dans un cercle de soins", GP, post_message),
    Task("b", "Publier les créneaux de la semaine prochaine", GP, publish_slots),
    Task("c", "Trouver et contacter une infirmière à domicile", GP, contact_nurse),
    Task("d", "Accepter un patient proposé", GP, accept_patient),
    Task("e", "Formulaire public médecin traitant", None, public_request),
    Task("f", "Objectifs ACI de l'année en bonne voie ?", COORDINATOR, aci_on_track),
    Task("g", "Connexion sur un appareil de confiance", TRUSTING, trusted_login),
]
BY_KEY = {t.key: t for t in TASKS}


def prepare_trusted_device(browser, demo: Demo):
    """(g)'s precondition, not counted: a phone where the member logged in once and ticked « Faire confiance
    à cet appareil », then logged out. Returns the browser context (the phone)."""
    context = browser.new_context(**CONTEXT_OPTIONS)
    page = context.new_page()
    log_in(page, demo, TRUSTING, trust_device=True)
    log_out(page)
    page.close()
    return context


def run_task(task: Task, context, demo: Demo) -> Measure:
    """One task on a new page of ``context`` (already logged in as the task's account when it has one)."""
    measure = Measure(task.key, task.title, task.account or "anonyme")
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    rec = Recorder(page, demo, measure)
    try:
        task.run(rec)
    except TaskFailed as exc:
        measure.failure = str(exc)
    except Exception as exc:  # noqa: BLE001 - reported in the table, with the page where it happened
        measure.failure = f"{type(exc).__name__} sur {page.url}: {str(exc).splitlines()[0]}"
    finally:
        page.close()
    return measure


def _phone(browser, demo: Demo, task: Task):
    """A phone (browser context) for ``task``: logged in as its account, or trusted first for (g)."""
    if task.key == "g":
        return prepare_trusted_device(browser, demo)
    context = browser.new_context(**CONTEXT_OPTIONS)
    if task.account:
        page = context.new_page()
        try:
            log_in(page, demo, task.account)
        finally:
            page.close()
    return context


def run_tasks(browser, demo: Demo, keys: list[str]) -> list[Measure]:
    """The tasks ``keys`` in order: one phone (browser context) per account, logged in once, reused."""
    contexts: dict[str | None, object] = {}
    failures: dict[str | None, str] = {}
    results = []
    try:
        for key in keys:
            task = BY_KEY[key]
            if task.account not in contexts and task.account not in failures:
                try:
                    contexts[task.account] = _phone(browser, demo, task)
                except Exception as exc:  # noqa: BLE001 - the precondition failed: so does the task
                    failures[task.account] = f"préparation : {str(exc).splitlines()[0]}"
            if task.account in failures:
                account = task.account or "anonyme"
                results.append(Measure(task.key, task.title, account, failure=failures[task.account]))
                continue
            results.append(run_task(task, contexts[task.account], demo))
    finally:
        for context in contexts.values():
            context.close()
    return results
