"""Generated gRPC stubs of protos/connectd/v1 (python protos/generate.py). Do not edit."""
