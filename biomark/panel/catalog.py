"""Reading panel specs from YAML and the built-in catalog.

YAML is read with PyYAML's *safe* loader, further restricted: anchors/aliases are refused (no
"billion laughs"), duplicate keys are refused (PyYAML would silently keep the last), and files over
1 MB are refused. Every error names the file and the key path, e.g.
``panels/x.yaml: markers[2].direction.os: unknown endpoint 'os'; endpoints are: response, os_``.
"""

from __future__ import annotations

import difflib
import functools
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any, get_args

import yaml
from pydantic import BaseModel, ValidationError

from biomark.bounded import read_bounded
from biomark.errors import PanelNotFoundError, SpecError
from biomark.panel.schema import (
    BinaryEndpoint,
    ChangeEndpoint,
    DoseEndpoint,
    Panel,
    SurvivalEndpoint,
    semantic_errors,
)

MAX_SPEC_BYTES = 1_000_000


def catalog_dir() -> Path:
    """Directory of the built-in panels: inside the wheel, or ``panels/`` of a source checkout."""
    env = os.environ.get("BIOMARK_PANELS_DIR")
    if env:
        return Path(env)
    here = Path(__file__).resolve().parent.parent
    installed = here / "_data" / "panels"
    if installed.is_dir():
        return installed
    return here.parent / "panels"


# --- YAML -------------------------------------------------------------------------------------


def _at(name: str, mark: Any) -> str:
    return f"{name}: line {mark.line + 1}, column {mark.column + 1}"


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses aliases, explicit tags (``!!binary``, ``!!python/...``), duplicate and
    unhashable mapping keys, and integers too long to convert."""

    def compose_node(self, parent: Any, index: Any) -> Any:  # noqa: D401
        if self.check_event(yaml.AliasEvent):
            raise SpecError(f"{_at(self.name, self.peek_event().start_mark)}: YAML aliases (*name) are "
                            "not allowed in panel specs; write the value out")
        event = self.peek_event()
        tag = getattr(event, "tag", None)
        if tag is not None and tag != "!":  # an explicit tag; '!' alone only marks a quoted-like scalar
            shown = tag.replace("tag:yaml.org,2002:", "!!")
            raise SpecError(f"{_at(self.name, event.start_mark)}: could not determine a constructor for the tag "
                            f"'{shown}': YAML tags are not allowed "
                            "in panel specs; remove the tag and write plain values")
        return super().compose_node(parent, index)

    def construct_yaml_int(self, node: Any) -> Any:
        text = str(node.value).replace("_", "").lstrip("+-")
        if len(text) > _MAX_INT_DIGITS:
            raise SpecError(f"{_at(self.name, node.start_mark)}: a number of {len(text)} digits is too long "
                            f"(at most {_MAX_INT_DIGITS}); check the value")
        return super().construct_yaml_int(node)

    def construct_mapping(self, node: Any, deep: bool = False) -> Any:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            try:
                hash(key)
            except TypeError:
                raise SpecError(f"{_at(self.name, key_node.start_mark)}: a {type(key).__name__} as a mapping "
                                "key ('? [a, b]'); keys must be plain names") from None
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key '{key}'", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


_MAX_INT_DIGITS = 30
_StrictLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _StrictLoader.construct_mapping
)
_StrictLoader.add_constructor("tag:yaml.org,2002:int", _StrictLoader.construct_yaml_int)


def read_yaml(path: str | os.PathLike[str]) -> Any:
    """Parse a YAML file safely; raise :class:`SpecError` naming the file and line."""
    p = Path(path)
    raw = read_bounded(p, MAX_SPEC_BYTES, "a panel spec", SpecError)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise SpecError(f"{p}: not UTF-8 text (byte {err.start}); save the spec as UTF-8") from None
    return parse_yaml(text, str(p))


def parse_yaml(text: str, source: str = "<spec>") -> Any:
    try:
        loader = _StrictLoader(text)
        loader.name = source
        try:
            return loader.get_single_data()
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        where = f" line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        what = err.problem or err.context or "invalid YAML"
        if isinstance(err, yaml.constructor.ConstructorError) and "constructor for the tag" in what:
            tag = what.split("tag ", 1)[-1].replace("tag:yaml.org,2002:", "!!")
            raise SpecError(f"{source}:{where}: could not determine a constructor for the tag {tag}: YAML tags "
                            "are not allowed in panel specs; remove the tag and write plain values") from None
        raise SpecError(f"{source}:{where}: {what}; fix the YAML syntax") from None
    except yaml.YAMLError as err:
        raise SpecError(f"{source}: invalid YAML ({err}); fix the YAML syntax") from None
    except RecursionError:
        raise SpecError(f"{source}: YAML nested too deeply") from None


# --- validation -------------------------------------------------------------------------------

_ENDPOINT_MODELS = {"binary": BinaryEndpoint, "survival": SurvivalEndpoint, "change": ChangeEndpoint,
                    "dose": DoseEndpoint}


_UNION_TAGS = ("int", "str", "float")


def _loc_to_path(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part in _ENDPOINT_MODELS or part in _UNION_TAGS or str(part).startswith("constrained-"):
            continue  # the discriminator or union-branch tag pydantic inserts into the loc
        else:
            out += ("." if out else "") + str(part)
    return out or "(top level)"


def _model_at(loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The pydantic model that owns the key at ``loc`` (for listing allowed keys)."""
    model: Any = Panel
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        if part in _ENDPOINT_MODELS:
            model = _ENDPOINT_MODELS[part]
            continue
        if not (isinstance(model, type) and issubclass(model, BaseModel)) or part not in model.model_fields:
            return None
        ann = model.model_fields[part].annotation
        model = _inner_model(ann)
        if model is None:
            return None
    return model if isinstance(model, type) and issubclass(model, BaseModel) else None


def _inner_model(ann: Any) -> Any:
    if isinstance(ann, type) and issubclass(ann, BaseModel):
        return ann
    for arg in get_args(ann):
        m = _inner_model(arg)
        if m is not None:
            return m
    return None


def _describe(err: dict[str, Any]) -> str:
    typ = err["type"]
    loc = err["loc"]
    value = err.get("input")
    if typ == "extra_forbidden":
        model = _model_at(loc)
        allowed = f"; allowed keys are: {', '.join(model.model_fields)}" if model else ""
        return f"unknown key '{loc[-1]}'{allowed}"
    if typ == "missing":
        return "required key is missing"
    if typ == "literal_error":
        expected = err.get("ctx", {}).get("expected", "")
        return f"{value!r} is not allowed; use one of: {expected}"
    if typ == "union_tag_invalid":
        return f"unknown endpoint kind {err.get('ctx', {}).get('tag')!r}; use one of: binary, survival, change, dose"
    if typ == "union_tag_not_found":
        return "endpoint needs a 'kind': binary, survival, change or dose"
    if typ in ("too_short",) and isinstance(value, list) and not value:
        return "must not be empty"
    if typ == "string_pattern_mismatch":
        return f"{value!r} must be lower-case letters, digits and underscores"
    short = repr(value) if not isinstance(value, (dict, list)) else type(value).__name__
    if len(short) > 60:
        short = short[:57] + "..."
    return f"{err['msg']} (got {short})"


def panel_from_data(data: Any, source: str = "<spec>") -> Panel:
    """Validate parsed YAML data into a :class:`Panel`; raise :class:`SpecError` with key paths."""
    if data is None:
        raise SpecError(f"{source}: the spec is empty; see docs/panels.md for the format")
    if not isinstance(data, dict):
        raise SpecError(f"{source}: a panel spec must be a mapping of keys (got {type(data).__name__}); "
                        "see docs/panels.md or 'biomark panels show ID' for the format")
    try:
        panel = Panel.model_validate(data)
    except ValidationError as exc:
        msgs = [f"{source}: {_loc_to_path(e['loc'])}: {_describe(e)}" for e in exc.errors()]
        raise SpecError("; ".join(msgs[:1]) + (f" (and {len(msgs) - 1} more problems)" if len(msgs) > 1 else "")) from None
    sem = semantic_errors(panel)
    if sem:
        path, msg = sem[0]
        extra = f" (and {len(sem) - 1} more problems)" if len(sem) > 1 else ""
        raise SpecError(f"{source}: {path}: {msg}{extra}")
    return panel


def all_spec_errors(path: str | os.PathLike[str]) -> list[str]:
    """Every problem of a spec file (for ``biomark panels check``), empty when valid."""
    data = read_yaml(path)
    source = str(path)
    if not isinstance(data, dict):
        panel_from_data(data, source)  # raises the one structural error
    try:
        panel = Panel.model_validate(data)
    except ValidationError as exc:
        return [f"{source}: {_loc_to_path(e['loc'])}: {_describe(e)}" for e in exc.errors()]
    return [f"{source}: {p}: {m}" for p, m in semantic_errors(panel)]


def load_spec(path: str | os.PathLike[str]) -> Panel:
    """Read and validate one spec file."""
    return panel_from_data(read_yaml(path), str(path))


# --- catalog ----------------------------------------------------------------------------------


def _catalog_files() -> Iterator[Path]:
    d = catalog_dir()
    if not d.is_dir():
        return iter(())
    return iter(sorted(d.glob("*.yaml")))


@functools.lru_cache(maxsize=1)
def _catalog() -> dict[str, Panel]:
    out: dict[str, Panel] = {}
    for f in _catalog_files():
        p = load_spec(f)
        if p.id in out:
            raise SpecError(f"{f}: id: panel id '{p.id}' is used by two catalog files")
        out[p.id] = p
    return out


def list_panels() -> list[Panel]:
    """Every panel of the built-in catalog, sorted by id."""
    return [p for _, p in sorted(_catalog().items())]


def panel_ids() -> list[str]:
    return sorted(_catalog())


def closest_panels(name: str, n: int = 3) -> list[str]:
    ids = panel_ids()
    close = difflib.get_close_matches(name.lower(), ids, n=n, cutoff=0.4)
    if not close:  # substring hits (e.g. 'circmyc' within 'npc_circmyc_...')
        close = [i for i in ids if name.lower() in i][:n]
    return close


def _is_file(p: Path) -> bool:
    try:
        return p.is_file()
    except OSError:  # a name too long for the file system is not a file (and maybe a catalog id)
        return False


def load_panel(name_or_path: str | os.PathLike[str] | Panel) -> Panel:
    """A panel by catalog id, or from a YAML file path.

    Raises :class:`PanelNotFoundError` (suggesting the closest ids) for an unknown name and
    :class:`SpecError` for a malformed file.
    """
    if isinstance(name_or_path, Panel):
        return name_or_path
    s = str(name_or_path)
    p = Path(s)
    if s.endswith((".yaml", ".yml")) or _is_file(p) or os.sep in s:
        return load_spec(p)
    cat = _catalog()
    if s in cat:
        return cat[s]
    close = closest_panels(s)
    hint = f"; did you mean: {', '.join(close)}?" if close else ""
    raise PanelNotFoundError(
        f"unknown panel '{s}'{hint} ('biomark panels list' shows all {len(cat)} panels)"
    )
