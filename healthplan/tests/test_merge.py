"""The line-based three-way merge (healthplan/merge.py)."""

import pytest

from healthplan.merge import merge3

BASE = "Contexte.\nTrois MSP.\nUn hôpital local.\nDes infirmières libérales.\n"


def test_changes_on_different_lines_are_both_kept():
    mine = BASE.replace("Trois MSP.", "Trois MSP et une ESP.")
    theirs = BASE.replace("Des infirmières libérales.", "Des infirmières libérales très présentes.")
    assert merge3(BASE, mine, theirs) == (
        "Contexte.\nTrois MSP et une ESP.\nUn hôpital local.\nDes infirmières libérales très présentes.\n"
    )


def test_neighbouring_lines_merge_and_additions_at_both_ends_too():
    mine = "Intro.\n" + BASE.replace("Trois MSP.", "Quatre MSP.")
    theirs = BASE.replace("Un hôpital local.", "Un hôpital de proximité.") + "Conclusion.\n"
    merged = merge3(BASE, mine, theirs)
    expected = "Intro.\nContexte.\nQuatre MSP.\nUn hôpital de proximité.\n"
    assert merged == expected + "Des infirmières libérales.\nConclusion.\n"


@pytest.mark.parametrize(
    "mine, theirs",
    [
        (BASE.replace("Trois MSP.", "Deux MSP."), BASE.replace("Trois MSP.", "Quatre MSP.")),
        (BASE + "Ma fin.\n", BASE + "Sa fin.\n"),  # two insertions at the same place
        (BASE.replace("Trois MSP.\n", ""), BASE.replace("Trois MSP.", "Trois MSP, une ESP.")),
    ],
)
def test_the_same_lines_changed_differently_refuse_the_merge(mine, theirs):
    assert merge3(BASE, mine, theirs) is None


def test_the_same_change_on_both_sides_is_kept_once_and_windows_line_endings_do_not_count():
    mine = BASE.replace("Trois MSP.", "Deux MSP.").replace("\n", "\r\n")
    theirs = BASE.replace("Trois MSP.", "Deux MSP.")
    assert merge3(BASE, mine, theirs) == theirs
    assert merge3("", "", "Texte.") == "Texte.\n"  # lines end with a newline (the action strips the end)
