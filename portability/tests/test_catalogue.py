"""Every model is classified for the CPTS archive, and the classification matches the model graph."""

import pytest

from portability import catalogue

pytestmark = pytest.mark.once


def test_every_model_is_exported_referenced_or_left_out_with_a_reason():
    classified = [
        *catalogue.EXPORTED,
        *catalogue.REFERENCED,
        *catalogue.LEFT_OUT,
        *catalogue.carried_tables(),
    ]
    assert len(classified) == len(set(classified)), "a model is classified twice"
    unclassified = catalogue.all_labels() - set(classified)
    assert unclassified == set(), (
        "classify these models in portability/catalogue.py (EXPORTED, REFERENCED or LEFT_OUT with a reason): "
        f"{sorted(unclassified)}"
    )
    assert set(classified) - catalogue.all_labels() == set(), "a classified model no longer exists"
    assert all(reason.strip() for reason in catalogue.LEFT_OUT.values())


def test_the_tenant_owned_models_found_by_walking_the_links_are_exactly_the_exported_and_the_left_out():
    owned = catalogue.owned_models()
    assert owned == set(catalogue.EXPORTED) | set(catalogue.TENANT_LEFT_OUT)
    assert not owned & set(catalogue.REFERENCED)
    # the walk sees ownership through a parent that is not a TenantModel: the ACI contract's children
    assert {"aci.ContractMission", "aci.IndicatorStep", "aci.ExpectedPayment"} <= owned


def test_exported_models_come_after_what_they_link_to():
    order = catalogue.exported_order()
    assert order[:2] == [catalogue.ROOT, "cpts.TerritoryCommune"]
    position = {label: i for i, label in enumerate(order)}
    for label in order:
        for field in catalogue.links(catalogue.model(label)):
            target = field.related_model._meta.label
            if target in position and target != label:
                assert position[target] < position[label], (label, field.name)
            else:
                assert target == label or target in catalogue.REFERENCED, (label, field.name, target)


def test_references_link_only_to_references_resolved_before_them():
    order = list(catalogue.REFERENCED)
    for label, ref in catalogue.REFERENCED.items():
        m = catalogue.model(label)
        for field in catalogue.links(m):
            carried = field.name in ref.key or (ref.create and (not ref.fields or field.name in ref.fields))
            if carried:
                target = field.related_model._meta.label
                assert target in order[: order.index(label)], (label, field.name, target)
