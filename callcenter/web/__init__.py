"""Flask adapter: app factory, one blueprint per area, errors mapped once."""
