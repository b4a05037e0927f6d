"""Frozen records: what ``@dataclass(frozen=True)`` gives the engine's records, without its cost at every
start.

A frozen dataclass compiles its methods from source when its class is created: 0.5 to 1.5 ms a class,
every run of every command. NamedTuples cost a fraction of that, but are tuples: two records of different
types with equal fields compare equal (``All((c,)) == AnyOf((c,))``), and they index, unpack and sort.
A :class:`Frozen` subclass names its fields in ``_fields`` (usually its ``__slots__`` too) and writes its
own ``__init__``, setting each field through :data:`set_field`; this base gives it, as a frozen dataclass
would:

* equality with records of the same class only, by fields in order, and a hash to match; fields named
  in ``_uncompared`` are left out of both and of the repr (a dataclass's ``field(compare=False,
  repr=False)``);
* a ``ClassName(field=value, ...)`` repr;
* immutability: assigning or deleting an attribute raises dataclasses.FrozenInstanceError;
* ``_replace(**changes)``, as NamedTuples have (dataclasses.replace): a new record from the ``_fields``;
  fields named in ``_state`` are made by ``__init__`` itself (a dataclass's ``init=False``), so a
  replaced record starts them afresh;
* pickling and copying by constructor arguments, ``_state`` fields kept (the rule-set cache pickles
  rule sets with what was worked out about them);
* with :class:`Ordered`, a dataclass(order=True)'s comparisons.
"""
from __future__ import annotations

from collections import namedtuple
from operator import attrgetter
from typing import TYPE_CHECKING, Any, Callable, ClassVar, TypeVar

_R = TypeVar("_R", bound="Frozen")

# For a record's __init__ (and unpickling) only: the one way to set a field of a frozen record.
set_field = object.__setattr__


class Frozen:
    __slots__ = ()
    _fields: ClassVar[tuple[str, ...]] = ()  # what __init__ takes, in order
    _uncompared: ClassVar[tuple[str, ...]] = ()  # of _fields: outside equality, hash and repr
    _state: ClassVar[tuple[str, ...]] = ()  # made by __init__ itself: outside equality, hash, repr, _replace
    _compared: ClassVar[tuple[str, ...]] = ()
    _key: ClassVar[Callable[[Any], tuple[Any, ...]]]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._compared = tuple(f for f in cls._fields if f not in cls._uncompared)
        getter = attrgetter(*cls._compared) if cls._compared else (lambda record: ())
        # the compared fields as a tuple (attrgetter of one name gives the bare value)
        cls._key = staticmethod(getter if len(cls._compared) != 1 else lambda record: (getter(record),))

    def _replace(self: _R, **changes: Any) -> _R:
        return self.__class__(**{**{f: getattr(self, f) for f in self._fields}, **changes})

    def __eq__(self, other: object) -> bool:
        if other.__class__ is self.__class__:
            return self._key(self) == self._key(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._key(self))

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._compared)
        return f"{self.__class__.__qualname__}({shown})"

    def __setattr__(self, name: str, value: Any) -> None:
        from dataclasses import FrozenInstanceError  # here: only a mistake pays for importing dataclasses

        raise FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        from dataclasses import FrozenInstanceError

        raise FrozenInstanceError(f"cannot delete field {name!r}")

    def __reduce__(self) -> tuple[Any, ...]:
        arguments = tuple(getattr(self, f) for f in self._fields)
        if not self._state:
            return self.__class__, arguments
        return self.__class__, arguments, {f: getattr(self, f) for f in self._state}

    def __setstate__(self, state: dict[str, Any]) -> None:
        for name, value in state.items():
            set_field(self, name, value)


class Ordered(Frozen):
    """A frozen record that also sorts among records of its own class, by compared fields in order."""

    __slots__ = ()

    def __lt__(self, other: object) -> bool:
        if other.__class__ is self.__class__:
            return self._key(self) < self._key(other)
        return NotImplemented

    def __le__(self, other: object) -> bool:
        if other.__class__ is self.__class__:
            return self._key(self) <= self._key(other)
        return NotImplemented

    def __gt__(self, other: object) -> bool:
        if other.__class__ is self.__class__:
            return self._key(self) > self._key(other)
        return NotImplemented

    def __ge__(self, other: object) -> bool:
        if other.__class__ is self.__class__:
            return self._key(self) >= self._key(other)
        return NotImplemented


# What typing.NamedTuple's class syntax would refuse to have overridden (its _prohibited), and the
# class-body names that are not attributes to copy (its _special).
_PROHIBITED = frozenset({"__new__", "__init__", "__slots__", "__getnewargs__", "_fields", "_field_defaults",
                         "_make", "_replace", "_asdict", "_source"})
_SPECIAL = frozenset({"__module__", "__name__", "__annotations__"})


class _NamedTupleMeta(type):
    """typing.NamedTuple's class syntax without its cost at every start.

    typing checks every annotation when the class is made, and under ``from __future__ import
    annotations`` each one is a string that it compiles into a ForwardRef: about 200 us a record
    against 60 us for collections.namedtuple, and the engine makes some forty records at every start
    (about 6 ms of a 100 ms ``recommend``). Nothing reads those ForwardRefs. This makes the same class
    (collections.namedtuple with the body's defaults, methods, docstring and annotations, as strings),
    and checks nothing."""

    def __new__(mcls, name: str, bases: tuple[type, ...], namespace: dict[str, Any]) -> Any:
        if not bases:  # NamedTuple itself
            return super().__new__(mcls, name, bases, namespace)
        annotations: dict[str, Any] = namespace.get("__annotations__", {})
        fields = tuple(annotations)
        defaults = [namespace[field] for field in fields if field in namespace]
        # namedtuple gives its defaults to the last fields: they must be the ones that have them
        if any(field not in namespace for field in fields[len(fields) - len(defaults):]):
            raise TypeError(f"{name}: a field without a default follows a field with one")
        record = namedtuple(name, fields, defaults=defaults, module=namespace.get("__module__"))
        record.__annotations__ = dict(annotations)
        for key, value in namespace.items():
            if key in _PROHIBITED:
                raise AttributeError(f"{name}: cannot overwrite NamedTuple attribute {key}")
            if key not in _SPECIAL and key not in record._fields:
                setattr(record, key, value)
        return record


if TYPE_CHECKING:  # type checkers know typing's; at run time the records are the same namedtuples
    from typing import NamedTuple as NamedTuple
else:
    class NamedTuple(metaclass=_NamedTupleMeta):
        """Base of a typed record: ``class Point(NamedTuple): x: int; y: int = 0``, as with typing's."""
