from hvctui.cli import main

raise SystemExit(main())
