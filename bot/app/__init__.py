"""Process plumbing: the `hotline` command (cli.py), the server processes and how they start (servers.py,
launch.py), the trained model (model.py) and masked logs (logging.py). The domain never imports from here."""
