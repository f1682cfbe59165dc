from readtoearn.cli import main

main()
