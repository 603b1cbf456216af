"""Spec layer: DSA model specs (TOML), symbolic sizes and the GPU arch table."""

from dsagen.spec.model import (DEFAULT_SPEC, Spec, builtin_names, load_spec, load_spec_file,
                               spec_from_dict)

__all__ = ["DEFAULT_SPEC", "Spec", "builtin_names", "load_spec", "load_spec_file", "spec_from_dict"]
