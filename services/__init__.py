"""cctrack services; one package each, meeting only over RabbitMQ."""
