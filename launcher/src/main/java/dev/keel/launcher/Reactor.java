package dev.keel.launcher;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

import javax.xml.parsers.DocumentBuilderFactory;

import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * The Maven reactor as the launcher needs it: the modules of the root pom, what each depends on within the
 * project, and the jar each builds. A jar is stale when anything it is built from changed after it: the module's
 * own sources and pom, those of every project module it depends on, directly or not, and the root pom.
 */
final class Reactor {

	private static final String GROUP = "dev.keel";

	private final Path root;

	private final String version;

	private final Map<String, Module> modules;

	private Reactor(Path root, String version, Map<String, Module> modules) {
		this.root = root;
		this.version = version;
		this.modules = modules;
	}

	/** A module: where it is, what it depends on in the project, and the classifier of its runnable jar. */
	record Module(String artifactId, Path directory, Set<String> dependencies, String classifier) {
	}

	static Reactor read(Path root) {
		Document parent = parse(root.resolve("pom.xml"));
		String version = text(parent.getDocumentElement(), "version");
		Map<String, Module> modules = new LinkedHashMap<>();
		for (Element module : children(child(parent.getDocumentElement(), "modules"), "module")) {
			Path directory = root.resolve(module.getTextContent().strip());
			Element project = parse(directory.resolve("pom.xml")).getDocumentElement();
			Set<String> dependencies = new LinkedHashSet<>();
			for (Element dependency : children(child(project, "dependencies"), "dependency")) {
				String group = text(dependency, "groupId");
				if (GROUP.equals(group) || "${project.groupId}".equals(group)) {
					dependencies.add(text(dependency, "artifactId"));
				}
			}
			String artifactId = text(project, "artifactId");
			modules.put(artifactId, new Module(artifactId, directory, dependencies, classifier(project)));
		}
		return new Reactor(root, version, modules);
	}

	Module module(String artifactId) {
		Module module = this.modules.get(artifactId);
		if (module == null) {
			throw new LauncherException("no module " + artifactId + " in " + this.root.resolve("pom.xml"));
		}
		return module;
	}

	/** The runnable jar the module builds. */
	Path jar(String artifactId) {
		Module module = module(artifactId);
		String suffix = (module.classifier() != null) ? "-" + module.classifier() : "";
		return module.directory().resolve("target").resolve(artifactId + "-" + this.version + suffix + ".jar");
	}

	/** The module and every project module it depends on, directly or not. */
	Set<Module> closure(String artifactId) {
		Set<Module> closure = new LinkedHashSet<>();
		Deque<String> pending = new ArrayDeque<>(List.of(artifactId));
		while (!pending.isEmpty()) {
			Module module = module(pending.pop());
			if (closure.add(module)) {
				pending.addAll(module.dependencies().stream().filter(this.modules::containsKey).toList());
			}
		}
		return closure;
	}

	boolean stale(String artifactId) {
		Path jar = jar(artifactId);
		if (!Files.exists(jar)) {
			return true;
		}
		FileTime built = modified(jar);
		return newerThan(this.root.resolve("pom.xml"), built) || closure(artifactId).stream()
			.anyMatch((module) -> newerThan(module.directory().resolve("pom.xml"), built)
					|| newestUnder(module.directory().resolve("src")).map((time) -> time.compareTo(built) > 0).orElse(false));
	}

	/** The directory of a module, relative to the project, as Maven's {@code -pl} takes it. */
	String path(String artifactId) {
		return this.root.relativize(module(artifactId).directory()).toString().replace('\\', '/');
	}

	private static boolean newerThan(Path file, FileTime time) {
		return Files.exists(file) && modified(file).compareTo(time) > 0;
	}

	private static Optional<FileTime> newestUnder(Path directory) {
		if (!Files.isDirectory(directory)) {
			return Optional.empty();
		}
		try (Stream<Path> files = Files.walk(directory)) {
			return files.filter(Files::isRegularFile).map(Reactor::modified).max(FileTime::compareTo);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	private static FileTime modified(Path file) {
		try {
			return Files.getLastModifiedTime(file);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/** The classifier Spring Boot's plugin gives the runnable jar, if the module names one (local-db: exec). */
	private static String classifier(Element project) {
		NodeList classifiers = project.getElementsByTagName("classifier");
		for (int i = 0; i < classifiers.getLength(); i++) {
			Node plugin = classifiers.item(i);
			while (plugin != null && !"plugin".equals(plugin.getNodeName())) {
				plugin = plugin.getParentNode();
			}
			if (plugin instanceof Element element && "spring-boot-maven-plugin".equals(text(element, "artifactId"))) {
				return classifiers.item(i).getTextContent().strip();
			}
		}
		return null;
	}

	private static Document parse(Path pom) {
		try {
			DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
			factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
			return factory.newDocumentBuilder().parse(pom.toFile());
		}
		catch (Exception ex) {
			throw new LauncherException("cannot read " + pom + ": " + ex.getMessage());
		}
	}

	private static Element child(Element parent, String name) {
		if (parent == null) {
			return null;
		}
		for (Node node = parent.getFirstChild(); node != null; node = node.getNextSibling()) {
			if (node instanceof Element element && element.getTagName().equals(name)) {
				return element;
			}
		}
		return null;
	}

	private static List<Element> children(Element parent, String name) {
		if (parent == null) {
			return List.of();
		}
		List<Element> children = new java.util.ArrayList<>();
		for (Node node = parent.getFirstChild(); node != null; node = node.getNextSibling()) {
			if (node instanceof Element element && element.getTagName().equals(name)) {
				children.add(element);
			}
		}
		return children;
	}

	private static String text(Element parent, String name) {
		Element child = child(parent, name);
		return (child != null) ? child.getTextContent().strip() : null;
	}

}
