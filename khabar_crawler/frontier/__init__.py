"""What is requested, and when: fingerprints, the duplicate filter, the scheduler, the
incremental middleware, the revisit policy and the Redis add-on."""
