"""Long adversarial suites (`make verify`): hostile input, faults and privacy."""
