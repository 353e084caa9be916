from kkui.cli import main

raise SystemExit(main())
