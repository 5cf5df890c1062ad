"""The shelter staff's pages, by area: one module each, sharing `common`."""
