from deploy_advisor.main import main

raise SystemExit(main())
