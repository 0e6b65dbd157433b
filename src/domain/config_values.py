"""The configuration's flags and numbers: of their TOML type in the file, read from text in the environment.

pydantic's lax mode would take the file's `"yes"` for true and `"15"` for 15, though the error for a wrong value
says `must be true or false`: a key is what its type says, so a number or a flag in quotes is refused as text.
A value from an environment variable is text by nature (`BOOKBRIDGE_ORDERS__ENABLED=false`): the settings hand
it over as `EnvironmentText`, which these types read as pydantic's lax mode does (`no`, `0`, `30`). Every bool,
int and float of a settings model or an adapter's options is one of them (a test walks the models).
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator, Strict, TypeAdapter, ValidationError
from pydantic_core import PydanticCustomError


class EnvironmentText(str):
    """A value an environment variable gave: text, from which a flag or a number is read."""

    __slots__ = ()


def _read_from_environment(kind: type) -> BeforeValidator:
    lax: TypeAdapter[Any] = TypeAdapter(kind)

    def read(value: Any) -> Any:
        if not isinstance(value, EnvironmentText):
            return value
        try:
            return lax.validate_python(str(value))
        except ValidationError as exc:  # said as the lax mode says it: `must be a whole number; it is 'abc'`
            error = exc.errors(include_url=False)[0]
            raise PydanticCustomError(error["type"], error["msg"]) from None

    return BeforeValidator(read)


ConfigBool = Annotated[bool, Strict(), _read_from_environment(bool)]  # TOML true or false
ConfigInt = Annotated[int, Strict(), _read_from_environment(int)]  # a TOML integer
ConfigFloat = Annotated[float, Strict(), _read_from_environment(float)]  # a TOML float or integer
