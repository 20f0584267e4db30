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
 *
 * Acknowledged means committed. The jar answers TransactWriteItems before its SQLite COMMIT has
 * run: it queues the COMMIT on its one database thread and returns without waiting for it (its
 * single writes, PutItem and the like, do wait). A kill -9 while that COMMIT (and its fsync)
 * runs leaves a hot journal, and the next start rolls the whole transaction back: a push the hub
 * had answered 200 was gone. DurableRequestHandler waits, after each transaction, for a read
 * queued behind the COMMIT on that same first-in-first-out thread, so the answer leaves only
 * once the COMMIT has run.
 */

import com.amazonaws.services.dynamodbv2.local.server.LocalDynamoDBRequestHandler;
import com.amazonaws.services.dynamodbv2.local.server.LocalDynamoDBServerHandler;
import com.amazonaws.services.dynamodbv2.model.ExecuteTransactionRequest;
import com.amazonaws.services.dynamodbv2.model.ExecuteTransactionResult;
import com.amazonaws.services.dynamodbv2.model.ListTablesRequest;
import com.amazonaws.services.dynamodbv2.model.TransactWriteItemsRequest;
import com.amazonaws.services.dynamodbv2.model.TransactWriteItemsResult;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ContextHandler;
import org.eclipse.jetty.server.handler.ContextHandlerCollection;

public class LoopbackDynamoDb {
  private static final String HOST = "127.0.0.1";

  /** The jar's request handler, with transactions answered only once their COMMIT has run (see above). */
  static final class DurableRequestHandler extends LocalDynamoDBRequestHandler {
    DurableRequestHandler(int port, boolean inMemory, String dbPath, boolean sharedDb, boolean delayTransientStatuses) {
      super(port, inMemory, dbPath, sharedDb, delayTransientStatuses);
    }

    /** One read through the database thread: it runs after every job queued before it, the COMMIT included. */
    private void awaitQueuedCommit(String accessKey, String region) {
      super.listTables(accessKey, region, new ListTablesRequest().withLimit(1));
    }

    @Override
    public TransactWriteItemsResult transactWriteItems(String accessKey, String region, TransactWriteItemsRequest request) {
      TransactWriteItemsResult result = super.transactWriteItems(accessKey, region, request);
      awaitQueuedCommit(accessKey, region);
      return result;
    }

    @Override
    public ExecuteTransactionResult executeTransaction(String accessKey, String region, ExecuteTransactionRequest request) {
      ExecuteTransactionResult result = super.executeTransaction(accessKey, region, request);
      awaitQueuedCommit(accessKey, region);
      return result;
    }
  }

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
    LocalDynamoDBRequestHandler requests = new DurableRequestHandler(actualPort, inMemory, dbPath, true, false);
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
