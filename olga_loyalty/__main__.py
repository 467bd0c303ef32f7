from olga_loyalty.cli import main

raise SystemExit(main())
