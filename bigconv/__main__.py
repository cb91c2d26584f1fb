from bigconv.cli import main

main()
