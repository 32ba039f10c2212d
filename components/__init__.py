"""One ComponentResource per file; `resource_policy` is the pure policy builder."""
