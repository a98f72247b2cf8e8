{
  "targets": [
    {
      "target_name": "rdkafka_native",
      "sources": ["rdkafka_native.c"],
      "libraries": ["-lrdkafka"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-Wno-unused-parameter"]
    }
  ]
}
