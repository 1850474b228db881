print("keras-conformance")
