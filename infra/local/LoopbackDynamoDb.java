/*
 * DynamoDB Local on 127.0.0.1 only.
 *
 * The jar's own main (ServerRunner) has no bind option: it serves on every interface, IPv4
 * and IPv6, with no authentication, so anyone who can reach the machine could read or write
 * the table. This launcher builds the same request and server handlers that ServerRunner
 * builds, and serves them from a Jetty server of its own whose only connector is on
 * 127.0.0.1. It never sets up the jar's telemetry (ServerRunner does that, not the handlers).
 *
 * infra/local/dynamodb-local.ts runs it as a single source file, which Java 11+ compiles in
 * memory, with the jar and its libraries on the class path:
 *
 *   java -cp "DynamoDBLocal.jar:DynamoDBLocal_lib/*" -Djava.library.path=DynamoDBLocal_lib \
 *     LoopbackDynamoDb.java -port 0 (-inMemory | -dbPath DIR)
 *
 * Port 0 lets the OS choose a free port. Once it answers requests it prints one line,
 * "DynamoDB Local listening on 127.0.0.1:PORT", which the TypeScript side waits for.
 * SIGTERM stops Jetty and closes the database files.
 */

import com.amazonaws.services.dynamodbv2.local.server.LocalDynamoDBRequestHandler;
import com.amazonaws.services.dynamodbv2.local.server.LocalDynamoDBServerHandler;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ContextHandler;
import org.eclipse.jetty.server.handler.ContextHandlerCollection;

public class LoopbackDynamoDb {
  private static final String HOST = "127.0.0.1";

  public static void main(String[] args) throws Exception {
    // The same quiet logging that ServerRunner sets before it touches Jetty.
    System.setProperty("org.eclipse.jetty.util.log.announce", "false");
    System.setProperty("org.eclipse.jetty.LEVEL", "WARN");
    Logger.getLogger("com.almworks.sqlite4java").setLevel(Level.WARNING);

    int port = 0;
    boolean inMemory = false;
    String dbPath = null;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "-port":
          port = Integer.parseInt(args[++i]);
          break;
        case "-inMemory":
          inMemory = true;
          break;
        case "-dbPath":
          dbPath = args[++i];
          break;
        default:
          System.err.println("unknown argument: " + args[i]);
          System.exit(2);
      }
    }
    if (inMemory == (dbPath != null)) {
      System.err.println("give exactly one of -inMemory and -dbPath DIR");
      System.exit(2);
    }

    // Open the socket first, so that with port 0 the handler is told the port really used.
    Server server = new Server();
    ServerConnector connector = new ServerConnector(server);
    connector.setHost(HOST);
    connector.setPort(port);
    server.addConnector(connector);
    connector.open();
    int actualPort = connector.getLocalPort();

    // What ServerRunner builds for "-sharedDb" without "-delayTransientStatuses" or "-cors":
    // one database for every credential and region, table states without artificial delays,
    // and no CORS headers (a web page in a browser on this machine gets no access).
    LocalDynamoDBRequestHandler requests = new LocalDynamoDBRequestHandler(actualPort, inMemory, dbPath, true, false);
    LocalDynamoDBServerHandler handler = new LocalDynamoDBServerHandler(requests, null);
    // The same wrapping as the jar's DynamoDBProxyServer.setUpHandler: a root context around
    // the handler, in a context collection. (That class's own Jetty server has no bind option.)
    ContextHandler context = new ContextHandler();
    context.setHandler(handler);
    ContextHandlerCollection contexts = new ContextHandlerCollection();
    contexts.addHandler(context);
    server.setHandler(contexts);

    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        server.stop();
      } catch (Exception e) {
        System.err.println("stopping Jetty: " + e);
      }
      // Closes the SQLite files of a persistent database.
      handler.close();
    }));

    server.start();
    System.out.println("DynamoDB Local listening on " + HOST + ":" + actualPort);
    System.out.flush();
    server.join();
  }
}
