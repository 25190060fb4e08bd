"""The Great Expectations project (root of the GX file context) and the gate suites run from flows/."""
