"""Tasks used by the tests of the engine only (queue « tests », never run by a production worker): one that
remembers its calls, one that always fails, retried at once."""

from jobs.engine import task

CALLS: list[dict] = []


class Boom(Exception):
    pass


@task("jobs_tests.remember", label="Essai : se souvenir", queue="tests")
def remember(value: str) -> str:
    CALLS.append({"value": value})
    return value


@task("jobs_tests.fail", label="Essai : échouer", queue="tests", retries=2, backoff_base=0)
def fail(value: str) -> None:
    CALLS.append({"failed": value})
    raise Boom(f"échec voulu : {value}")


FLAKY = {"fail": True}


@task("jobs_tests.flaky", label="Essai : échouer tant qu'on le demande", queue="tests")
def flaky(value: str) -> str:
    if FLAKY["fail"]:
        raise Boom(f"relais injoignable : {value}")
    CALLS.append({"value": value})
    return value
