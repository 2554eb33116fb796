"""Numbers in a query string or a path, read as they are written.

They arrive as text, which pydantic's lax mode reads generously: `?limit=5.0`, `+5`, ` 5`
and `1_000` were read as 5 and 1000 until session 23, and `lat=1_0` as 10.0. A number there is
what a JSON number looks like (outings.common.numbers, the explore page's rule too). Anything
else is refused with pydantic's own message for a value that is no number, so a client sees the
same error for `5.0` as for `five`. A JSON body's numbers are `outings.api.schemas.Int` and
`Float`.
"""

from typing import Annotated, Any

from pydantic import BeforeValidator, Field
from pydantic_core import PydanticCustomError

from outings.common.numbers import is_number, is_whole


def _whole(value: Any) -> Any:
    if isinstance(value, str) and not is_whole(value):
        raise PydanticCustomError(
            "int_parsing", "Input should be a valid integer, unable to parse string as an integer"
        )
    return value


def _number(value: Any) -> Any:
    if isinstance(value, str) and not is_number(value):
        raise PydanticCustomError(
            "float_parsing", "Input should be a valid number, unable to parse string as a number"
        )
    return value


def _never_null(schema: dict[str, Any]) -> None:
    """The schema of an optional parameter as the number it is: a query string cannot say null
    (a parameter left out is None), and pydantic's `anyOf: [{"type": "integer", ...}, {"type":
    "null"}]` said it could. Schemathesis drew `3.0` for such an integer (JSON Schema counts a
    whole float as an integer), which it never draws for a plain `integer` in a query string,
    where `3.0` is other text than `3`."""
    options = schema.pop("anyOf", None)
    if options is not None:
        (number,) = [option for option in options if option.get("type") != "null"]
        schema.update(number)


# Not `ParamInt | None`: pydantic would then write a Field's bounds into the schema unconverted
# (as outings.api.schemas.OptionalInt).
ParamInt = Annotated[int, BeforeValidator(_whole)]
OptionalParamInt = Annotated[
    int | None, BeforeValidator(_whole), Field(json_schema_extra=_never_null)
]
OptionalParamFloat = Annotated[
    float | None, BeforeValidator(_number), Field(json_schema_extra=_never_null)
]
