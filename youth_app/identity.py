"""Swedish identity numbers: personnummer, samordningsnummer and organisationsnummer.

python-stdnum does the format and Luhn checks. It does not know samordningsnummer
(the day of birth plus 60, given to people not registered in Sweden, as many newly
arrived youths are), so that offset is handled here before handing over.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from stdnum import luhn
from stdnum.exceptions import ValidationError
from stdnum.se import orgnr, personnummer

COORDINATION_OFFSET = 60


class InvalidNumber(ValueError):
    """The text is not a valid number; ``str()`` is safe to show (in English)."""


@dataclass(frozen=True)
class PersonalNumber:
    #: 12 digits, century included, e.g. ``201005141234``.
    digits: str
    birth_date: date
    coordination: bool

    @property
    def formatted(self) -> str:
        return f"{self.digits[:8]}-{self.digits[8:]}"


def _digits(text: str) -> bool:
    """ASCII digits only: ``"²".isdigit()`` is true, but ``int("²")`` fails."""
    return text.isascii() and text.isdigit()


def parse_personal_number(text: str) -> PersonalNumber:
    """Validate a personnummer or samordningsnummer given with 10 or 12 digits."""
    compact = personnummer.compact(text or "")
    if len(compact) not in (11, 13) or compact[-5] not in "-+":
        raise InvalidNumber("wrong length")
    day = int(compact[-7:-5]) if _digits(compact[-7:-5]) else 0
    coordination = day > COORDINATION_OFFSET
    as_personnummer = compact
    if coordination:
        as_personnummer = f"{compact[:-7]}{day - COORDINATION_OFFSET:02d}{compact[-5:]}"
    try:
        if not _digits(compact[:-5] + compact[-4:]):
            raise InvalidNumber("not digits")
        birth = personnummer.get_birth_date(as_personnummer)
        luhn.validate((compact[:-5] + compact[-4:])[-10:])
    except ValidationError as error:
        raise InvalidNumber(str(error)) from error
    digits = f"{birth.year:04d}{compact[-9:-5]}{compact[-4:]}"
    return PersonalNumber(digits=digits, birth_date=birth, coordination=coordination)


def parse_org_number(text: str) -> str:
    """Validate an organisationsnummer; return its 10 digits."""
    try:
        return orgnr.compact(orgnr.validate(text or ""))
    except ValidationError as error:
        raise InvalidNumber(str(error)) from error


def with_check_digit(first_nine: str) -> str:
    """Append the Luhn digit (used to make demo and test numbers)."""
    return first_nine + luhn.calc_check_digit(first_nine)
