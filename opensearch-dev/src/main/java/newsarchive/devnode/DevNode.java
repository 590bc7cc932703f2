package newsarchive.devnode;

import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.opensearch.analysis.common.CommonAnalysisPlugin;
import org.opensearch.common.settings.Settings;
import org.opensearch.node.MockNode;
import org.opensearch.node.Node;
import org.opensearch.transport.Netty4Plugin;

/**
 * One OpenSearch node in this JVM, started the way OpenSearch's own integration
 * tests start theirs (MockNode), with real HTTP (Netty) and the common analysis
 * module. Every argument is a node setting {@code key=value}; {@code ./cluster}
 * chooses them. Runs until SIGTERM, which closes the node cleanly.
 */
public final class DevNode {

    private DevNode() {}

    public static void main(String[] args) throws InterruptedException {
        CountDownLatch closed = new CountDownLatch(1);
        try {
            start(settings(args), closed);
        } catch (Exception e) {
            // Threads a half-built node started could keep the JVM alive: exit, so ./cluster sees the failure.
            e.printStackTrace();
            System.exit(1);
        }
        closed.await();
    }

    private static Settings settings(String[] args) {
        Settings.Builder settings = Settings.builder();
        for (String arg : args) {
            int eq = arg.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("expected key=value, got: " + arg);
            }
            settings.put(arg.substring(0, eq), arg.substring(eq + 1));
        }
        return settings.build();
    }

    private static void start(Settings settings, CountDownLatch closed) throws Exception {
        Node node = new MockNode(settings, List.of(Netty4Plugin.class, CommonAnalysisPlugin.class));
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                node.close();
                node.awaitClose(20, TimeUnit.SECONDS);
            } catch (Exception e) {
                // The JVM is going away: say why the close was not clean, then let it go.
                e.printStackTrace();
            } finally {
                closed.countDown();
            }
        }, "devnode-shutdown"));
        node.start();
        System.out.println("DevNode started: " + settings.get("node.name"));
    }
}
