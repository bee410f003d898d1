from ser_utils.cli import main

raise SystemExit(main())
