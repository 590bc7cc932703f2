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

    public static void main(String[] args) throws Exception {
        Settings.Builder settings = Settings.builder();
        for (String arg : args) {
            int eq = arg.indexOf('=');
            if (eq <= 0) {
                System.err.println("DevNode: expected key=value, got: " + arg);
                System.exit(2);
            }
            settings.put(arg.substring(0, eq), arg.substring(eq + 1));
        }
        Node node = new MockNode(settings.build(), List.of(Netty4Plugin.class, CommonAnalysisPlugin.class));
        CountDownLatch closed = new CountDownLatch(1);
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
        System.out.println("DevNode started: " + node.settings().get("node.name"));
        closed.await();
    }
}
