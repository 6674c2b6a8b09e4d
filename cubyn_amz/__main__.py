from cubyn_amz.cli import main

main()
