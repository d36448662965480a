"""What is requested, and when: fingerprints, the duplicate filter (and the spider's view of
it), the scheduler, the incremental middleware and what it knows of stored pages, the revisit
policy and its due-revisit query, the Redis add-on."""
