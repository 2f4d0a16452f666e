"""Household keys, flags and crisis (R-MAT-1, R-MAT-4, R-BRP-2, R-BRP-3)."""

from __future__ import annotations

from vroeg.matcher.rules import flags_for, household_key, is_crisis
from vroeg.shared.events import Address, CaseFlag, Household, Route, SignalKind


def test_the_brp_addressable_object_is_the_household_key_where_known() -> None:
    address = Address(postcode="1012AB", huisnummer=1)
    household = Household(address_key="0363010000000001", size=2, minors_present=True)
    assert household_key(address, household) == "aoid:0363010000000001"


def test_without_the_brp_the_address_is_normalised() -> None:
    a = Address(postcode="1012AB", huisnummer=1, huisletter="a", toevoeging="2 h")
    b = Address(postcode="1012AB", huisnummer=1, huisletter="A", toevoeging="2H")
    assert household_key(a, None) == household_key(b, None) == "adres:1012AB-1-A-2H"


def test_different_house_numbers_are_different_households() -> None:
    assert household_key(Address(postcode="1012AB", huisnummer=1), None) != household_key(
        Address(postcode="1012AB", huisnummer=11), None
    )


def test_deceased_and_minor_routes_flag_the_case() -> None:
    assert flags_for(Route.DECEASED) == (CaseFlag.OVERLEDEN,)
    assert flags_for(Route.MINOR) == (CaseFlag.MINDERJARIG,)
    assert flags_for(Route.RESIDENT) == ()


def test_disconnection_and_eviction_are_crises_and_arrears_are_not() -> None:
    assert is_crisis([SignalKind.VROEGSIGNAAL, SignalKind.UITHUISZETTING])
    assert is_crisis([SignalKind.AFSLUITING])
    assert not is_crisis([SignalKind.VROEGSIGNAAL, SignalKind.EINDELEVERING])


def test_r_mat_1_an_address_without_letter_or_addition_keys_on_postcode_and_number() -> None:
    assert household_key(Address(postcode="1012AB", huisnummer=1), None) == "adres:1012AB-1--"


def test_r_mat_1_the_key_normalises_the_postcode_whatever_it_is_given() -> None:
    # The event type admits only "1012AB"; the key must not depend on that to normalise.
    unchecked = Address.model_construct(postcode="1012 ab", huisnummer=1)
    assert household_key(unchecked, None) == "adres:1012AB-1--"
