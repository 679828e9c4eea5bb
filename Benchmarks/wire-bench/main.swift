print("wire-bench placeholder")
