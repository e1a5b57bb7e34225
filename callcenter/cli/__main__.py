"""`python -m callcenter.cli …`: how `callcenter up` starts its children with the same interpreter."""

from callcenter.cli import main

raise SystemExit(main())
