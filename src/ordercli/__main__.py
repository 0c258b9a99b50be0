from ordercli.cli.main import main

main()
