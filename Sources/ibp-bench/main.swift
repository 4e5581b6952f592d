print("ibp-bench: not built yet")
