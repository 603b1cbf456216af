from dsagen.cli import main

raise SystemExit(main())
