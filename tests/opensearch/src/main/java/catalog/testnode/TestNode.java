package catalog.testnode;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.opensearch.analysis.common.CommonAnalysisPlugin;
import org.opensearch.common.logging.LogConfigurator;
import org.opensearch.common.settings.Settings;
import org.opensearch.env.Environment;
import org.opensearch.http.HttpServerTransport;
import org.opensearch.node.InternalSettingsPreparer;
import org.opensearch.node.Node;
import org.opensearch.painless.PainlessPlugin;
import org.opensearch.plugins.Plugin;
import org.opensearch.transport.Netty4Plugin;

/**
 * A single OpenSearch node for the tests and the benchmark, without a distribution.
 *
 * <p>The OpenSearch tarball cannot be downloaded on the build machines, but Maven Central
 * serves the server jar and its modules. {@link Node} has a protected constructor that takes
 * plugin classes found on the classpath (the way OpenSearch's own integration tests start
 * nodes), so this class starts a real node, with real HTTP, analysis and scripting, from
 * those jars. Security is not installed, discovery is single-node, and it binds to
 * 127.0.0.1 only.
 *
 * <p>Usage: {@code TestNode HOME HTTP_PORT TRANSPORT_PORT}. {@code HOME} holds {@code data/}
 * and {@code logs/}; starting again on the same HOME keeps the indices (the tests stop and
 * restart a node to check that queued writes are applied when the engine returns). When the
 * node answers, the line {@code READY http://127.0.0.1:PORT} is printed and written to
 * {@code HOME/ready}; SIGTERM closes the node cleanly, and so does the end of standard input
 * (the parent process died: a killed test run leaves no node behind).
 */
public final class TestNode {

    private static final List<Class<? extends Plugin>> PLUGINS =
            List.of(Netty4Plugin.class, CommonAnalysisPlugin.class, PainlessPlugin.class);

    /** Opens Node's protected constructor, which accepts classpath plugins. */
    static final class ClasspathNode extends Node {
        ClasspathNode(Environment environment) {
            super(environment, PLUGINS, true);
        }
    }

    private TestNode() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 3) {
            System.err.println("usage: TestNode HOME HTTP_PORT TRANSPORT_PORT");
            System.exit(2);
        }
        Path home = Paths.get(args[0]).toAbsolutePath();
        Files.createDirectories(home.resolve("config"));
        Files.deleteIfExists(home.resolve("ready"));
        Settings settings = Settings.builder()
                .put("cluster.name", "catalog-test")
                .put("node.name", "catalog-test-node")
                .put("path.home", home.toString())
                .put("path.data", home.resolve("data").toString())
                .put("path.logs", home.resolve("logs").toString())
                .put("network.host", "127.0.0.1")
                .put("http.port", args[1])
                .put("transport.port", args[2])
                .put("discovery.type", "single-node")
                // a test machine's disk may be fuller than a server's: never go read-only
                .put("cluster.routing.allocation.disk.threshold_enabled", false)
                .put("action.auto_create_index", false)
                .build();
        LogConfigurator.configureWithoutConfig(settings);
        Environment environment =
                InternalSettingsPreparer.prepareEnvironment(
                        settings, Map.of(), home.resolve("config"), () -> "catalog-test-node");
        Node node = new ClasspathNode(environment);
        CountDownLatch closed = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(
                        new Thread(
                                () -> {
                                    try {
                                        node.close();
                                        node.awaitClose(20, TimeUnit.SECONDS);
                                    } catch (Exception e) {
                                        e.printStackTrace();
                                    } finally {
                                        closed.countDown();
                                    }
                                },
                                "testnode-shutdown"));
        Thread watchParent =
                new Thread(
                        () -> {
                            try {
                                while (System.in.read() != -1) {
                                    // the parent holds the pipe open while it lives
                                }
                            } catch (Exception e) {
                                // treated as the end of input
                            }
                            System.exit(0);
                        },
                        "testnode-parent-watch");
        watchParent.setDaemon(true);
        watchParent.start();
        node.start();
        String address =
                node.injector()
                        .getInstance(HttpServerTransport.class)
                        .boundAddress()
                        .publishAddress()
                        .toString();
        String url = "http://" + address;
        Path tmp = home.resolve("ready.tmp");
        Files.writeString(tmp, url);
        Files.move(tmp, home.resolve("ready"), StandardCopyOption.ATOMIC_MOVE);
        System.out.println("READY " + url);
        System.out.flush();
        closed.await();
    }
}
