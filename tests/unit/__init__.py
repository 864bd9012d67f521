"""The glue's fast tier: a fake core, no sockets."""
