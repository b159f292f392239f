"""pytest plugin (quality gates for downstream predictions); being written."""
