// A transactional hop with the Java client of the broker's release, for bench/e2e/kafka-limit.ts:
// what TransactionalMessageCopier (kafka-tools) does per poll (begin, send every record,
// sendOffsetsToTransaction with the group metadata, commit), but running until it is killed:
// the copier stops once it reaches the end offset it saw at start, so it cannot serve records
// sent one at a time. Run as a single-file program on the kafka-tools classpath:
//   java -cp <classpath> bench/e2e/TxHop.java <brokers> <input> <output> <transactional id>
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

public class TxHop {
  public static void main(String[] args) {
    String brokers = args[0], input = args[1], output = args[2], id = args[3];
    Properties c = new Properties();
    c.put("bootstrap.servers", brokers);
    c.put("group.id", id);
    c.put("isolation.level", "read_committed");
    c.put("enable.auto.commit", "false");
    c.put("auto.offset.reset", "earliest");
    Properties p = new Properties();
    p.put("bootstrap.servers", brokers);
    p.put("transactional.id", id);
    try (KafkaConsumer<byte[], byte[]> consumer =
            new KafkaConsumer<>(c, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        KafkaProducer<byte[], byte[]> producer =
            new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
      producer.initTransactions();
      consumer.subscribe(List.of(input));
      for (;;) {
        ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(100));
        if (records.isEmpty()) continue;
        producer.beginTransaction();
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : records) {
          producer.send(new ProducerRecord<>(output, r.key(), r.value()));
          offsets.put(new TopicPartition(r.topic(), r.partition()), new OffsetAndMetadata(r.offset() + 1));
        }
        producer.sendOffsetsToTransaction(offsets, consumer.groupMetadata());
        producer.commitTransaction();
      }
    }
  }
}
