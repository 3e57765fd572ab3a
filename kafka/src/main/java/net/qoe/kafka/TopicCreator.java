package net.qoe.kafka;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates the pipeline's topics when they are missing and leaves existing ones alone, so it can run
 * at every start. Returns which topics it created.
 */
public final class TopicCreator {

  private static final Logger LOG = LoggerFactory.getLogger(TopicCreator.class);

  private final Admin admin;
  private final short replicationFactor;

  public TopicCreator(Admin admin, short replicationFactor) {
    this.admin = admin;
    this.replicationFactor = replicationFactor;
  }

  /** Creates every missing topic of {@link Topics#ALL} on the given cluster. */
  public static List<String> ensureAll(String bootstrapServers) {
    Properties props = new Properties();
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "30000");
    try (Admin admin = Admin.create(props)) {
      return new TopicCreator(admin, (short) 1).ensure(Topics.ALL);
    }
  }

  public List<String> ensure(Collection<TopicSpec> specs) {
    try {
      Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
      List<NewTopic> missing = new ArrayList<>();
      for (TopicSpec spec : specs) {
        if (!existing.contains(spec.name())) {
          missing.add(
              new NewTopic(
                      spec.name(), Optional.of(spec.partitions()), Optional.of(replicationFactor))
                  .configs(spec.kafkaConfigs()));
        }
      }
      List<String> created = new ArrayList<>();
      Map<String, org.apache.kafka.common.KafkaFuture<Void>> results =
          admin.createTopics(missing).values();
      for (var entry : results.entrySet()) {
        try {
          entry.getValue().get(30, TimeUnit.SECONDS);
          created.add(entry.getKey());
          LOG.info("created topic {}", entry.getKey());
        } catch (ExecutionException e) {
          if (!(e.getCause() instanceof TopicExistsException)) {
            throw e;
          }
        }
      }
      return created;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while creating topics", e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException(
          "cannot create the pipeline's topics: " + (e.getCause() != null ? e.getCause() : e), e);
    }
  }
}
