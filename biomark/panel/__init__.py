"""Panel specs: the schema, the catalog and marker-name resolution."""

from biomark.panel.catalog import (
    all_spec_errors,
    catalog_dir,
    closest_panels,
    list_panels,
    load_panel,
    load_spec,
    panel_from_data,
    panel_ids,
    parse_yaml,
    read_yaml,
)
from biomark.panel.names import MarkerMatch, match_name, normalize, panel_targets, resolve_markers
from biomark.panel.schema import Panel

__all__ = [
    "MarkerMatch",
    "Panel",
    "all_spec_errors",
    "catalog_dir",
    "closest_panels",
    "list_panels",
    "load_panel",
    "load_spec",
    "match_name",
    "normalize",
    "panel_from_data",
    "panel_ids",
    "panel_targets",
    "parse_yaml",
    "read_yaml",
    "resolve_markers",
]
