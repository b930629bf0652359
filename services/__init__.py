"""The roles as processes: the CLI composition root, gRPC servicers and clients over the core."""
