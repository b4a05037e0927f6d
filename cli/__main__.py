from deploy_advisor.main import entry

raise SystemExit(entry())
