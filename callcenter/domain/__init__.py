"""Pure rules of the front office: standard library and pure data libraries only, no I/O."""
