from hvctui.start import main

raise SystemExit(main())
