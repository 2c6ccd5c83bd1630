package dev.keel.launcher;

/**
 * One process of the platform: {@code db}, {@code config-server}, {@code gateway-service}, {@code edge} (Nginx, in
 * front of several gateways), or replica i (from 1) of a domain service or of the gateway behind the edge, named
 * {@code user-service#2} or {@code gateway-service#2}.
 *
 * @param application what it runs
 * @param replica its number among the instances of a replicated application; 0 for the processes that run once
 */
record Instance(String application, int replica) {

	static final Instance DB = new Instance("db", 0);

	static final Instance CONFIG_SERVER = new Instance("config-server", 0);

	static final Instance GATEWAY = new Instance("gateway-service", 0);

	static final Instance EDGE = new Instance("edge", 0);

	/**
	 * The instance a user names: {@code db}, {@code config-server}, {@code gateway-service}, {@code edge},
	 * {@code user-service} (its first instance), {@code user-service#2} or {@code gateway-service#2}.
	 */
	static Instance parse(String name) {
		int hash = name.indexOf('#');
		String application = (hash < 0) ? name : name.substring(0, hash);
		if (hash < 0 && (application.equals(DB.application()) || application.equals(CONFIG_SERVER.application())
				|| application.equals(GATEWAY.application()) || application.equals(EDGE.application()))) {
			return new Instance(application, 0);
		}
		if (!Services.isService(application) && !application.equals(GATEWAY.application())) {
			throw new UsageException("unknown process '" + name + "' (db, config-server, gateway-service, edge, "
					+ String.join(", ", Services.names()) + ", or an instance such as user-service#2)");
		}
		if (hash < 0) {
			return new Instance(application, 1);
		}
		try {
			int replica = Integer.parseInt(name.substring(hash + 1));
			if (replica < 1) {
				throw new NumberFormatException();
			}
			return new Instance(application, replica);
		}
		catch (NumberFormatException ex) {
			throw new UsageException("'" + name + "': an instance number is 1 or more, as in " + application + "#2");
		}
	}

	String name() {
		return (this.replica > 0) ? this.application + "#" + this.replica : this.application;
	}

	/** Its name where a file is named after it (no '#'). */
	String fileName() {
		return (this.replica > 0) ? this.application + "-" + this.replica : this.application;
	}

	@Override
	public String toString() {
		return name();
	}

}
