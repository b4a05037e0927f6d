"""A loaded rule set kept on disk between runs, so that a command answering one file does not parse
and validate twenty YAML files first (about a fifth of its start-up).

The cache is a pickle of the validated :class:`RuleSet` (with what the loader worked out about it, such
as its durable-rules limits) in the user's cache folder (``$XDG_CACHE_HOME/deploy-advisor``, else
``~/.cache/deploy-advisor``). It is trusted only when its key matches, and the key covers everything
that shapes the rule set:

* the SHA-256 of the bytes of every file the loader reads (catalogue, options, reference page, rule
  files) and their names, so that any edit, new file or removed file misses;
* the folder as named (messages and ``RuleSet.root`` name it so) and whether it is the shipped one;
* the package version, the Python version, and the size and modification time of the modules that
  build a rule set (so that a development edit of the model never meets an old pickle).

Anything unusual makes it step aside, silently: a corrupt, truncated, foreign or unreadable cache file
is ignored and rewritten; an unwritable folder means no cache; a rule folder holding a pipe or an
oversized file is loaded the ordinary way, which reports it. A rule set that fails to load is never
cached. ``DEPLOY_ADVISOR_NO_CACHE=1`` turns it off. One file per rule folder: a change overwrites it.

The cache folder is the user's own; a pickle there is as trusted as the user's other files.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

from deploy_advisor import __version__
from .digest import sha256
from .model import RuleSet

try:  # the C pickler alone: pickle.py, its pure-Python twin, costs about 1.3 ms to import at every start
    from _pickle import dump, load
except ImportError:  # pragma: no cover - depends on the Python build
    from pickle import dump, load

DISABLE = "DEPLOY_ADVISOR_NO_CACHE"
FOLDER = "deploy-advisor"
FORMAT = 1  # bump when what is stored changes shape
# The modules whose code decides what a loaded rule set holds (see the module docstring).
BUILDERS = ("model.py", "rulefiles.py", "conditions.py", "limits.py", "compile.py", "errors.py", "rulecache.py")
MAX_FILE_BYTES = 1_000_000  # rulefiles.MAX_RULE_FILE_BYTES: larger files are left to the loader to refuse


def load_ruleset_cached(directory: str | Path | None = None) -> RuleSet:
    """The rule set in ``directory`` (default: the shipped one), from the cache when it is current."""
    from .rulefiles import load_ruleset

    if os.environ.get(DISABLE, "") not in ("", "0"):
        return load_ruleset(directory)
    root = Path(directory) if directory is not None else _shipped_dir()
    key = content_key(root, directory is None)
    if key is None:  # nothing we can hash safely: the loader reads (and reports) it
        return load_ruleset(directory)
    place = cache_file(root, directory is None)
    found = _read(place, key) if place is not None else None
    if found is not None:
        return found
    ruleset = load_ruleset(directory)
    if place is not None:
        _write(place, key, ruleset)
    return ruleset


def cache_folder() -> Path | None:
    base = os.environ.get("XDG_CACHE_HOME", "")
    if not base or not os.path.isabs(base):  # the XDG rule: a relative value is ignored
        home = os.path.expanduser("~")
        if home == "~":
            return None
        base = os.path.join(home, ".cache")
    return Path(base) / FOLDER


def cache_file(root: Path, shipped: bool) -> Path | None:
    """One file per rule folder (as named) and version: a changed rule set overwrites its own entry."""
    folder = cache_folder()
    if folder is None:
        return None
    slot = sha256(f"{__version__}\0{sys.version}\0{shipped}\0{root}".encode("utf-8", "surrogateescape"))
    return folder / "rulesets" / f"{slot.hexdigest()[:32]}.pickle"


def content_key(root: Path, shipped: bool) -> str | None:
    """The hash of everything that shapes the loaded rule set, or None when a file cannot be read
    plainly (a pipe, a device, a file too large, a permission problem)."""
    digest = sha256()
    digest.update(f"{FORMAT}\0{__version__}\0{sys.version}\0{shipped}\0{root}\0".encode("utf-8", "surrogateescape"))
    here = Path(__file__).parent
    try:
        for name in BUILDERS:
            info = os.stat(here / name)
            digest.update(f"{name}\0{info.st_size}\0{info.st_mtime_ns}\0".encode())
        for path in _read_files(root):
            data = _read_plain(path)
            if data is None:
                return None
            digest.update(f"{path.name}\0{len(data)}\0".encode("utf-8", "surrogateescape"))
            digest.update(data)
    except OSError:
        return None
    return digest.hexdigest()


def _read_files(root: Path) -> list[Path]:
    """Every file the loader reads in ``root`` (rulefiles.load_ruleset), in a fixed order. Missing
    ones are hashed as missing: creating one must miss too."""
    from .rulefiles import CATALOGUE_FILE, OPTIONS_FILE, REFERENCE_FILE, rule_files

    return [root / CATALOGUE_FILE, root / OPTIONS_FILE, root / REFERENCE_FILE, *rule_files(root)]


def _read_plain(path: Path) -> bytes | None:
    from .files import NotRegular, read_regular

    try:
        data = read_regular(path, MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        return b"\0missing"
    except (NotRegular, OSError):
        return None
    return data if len(data) <= MAX_FILE_BYTES else None


def _shipped_dir() -> Path:
    from .rulefiles import shipped_rules_dir

    return shipped_rules_dir()


def _read(place: Path, key: str) -> RuleSet | None:
    """The cached rule set when ``place`` holds one under ``key``; None for anything else."""
    try:
        with open(place, "rb") as stream:
            stored_key, ruleset = load(stream)
    except Exception:  # noqa: BLE001 - missing, unreadable, truncated, corrupt or foreign: rebuild
        return None
    if stored_key != key or not isinstance(ruleset, RuleSet):
        return None
    return ruleset


def _write(place: Path, key: str, ruleset: RuleSet) -> None:
    """Write through a temporary file renamed into place, so that a reader never sees half of one;
    any failure (read-only home, full disk) just leaves no cache."""
    import tempfile  # here: only a cache miss writes (about 0.6 ms of start-up otherwise)

    temporary = None
    try:
        place.parent.mkdir(parents=True, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(dir=place.parent, prefix=".", suffix=".tmp")
        with os.fdopen(descriptor, "wb") as stream:
            dump((key, ruleset), stream, protocol=-1)  # -1: the highest protocol
        os.replace(temporary, place)
        temporary = None
    except Exception:  # noqa: BLE001 - a cache that cannot be written is no cache, never an error
        pass
    finally:
        if temporary is not None:
            try:
                os.unlink(temporary)
            except OSError:
                pass
