print("visualize: not built yet")
