from ftbuilder.cli.main import main

raise SystemExit(main())
