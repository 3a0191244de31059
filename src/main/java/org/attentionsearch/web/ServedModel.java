package org.attentionsearch.web;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import org.attentionsearch.model.Model;

/**
 * One model the server was started with: the id requests name it by, the name shown for it
 * (its file's name), and the model. The browser picks among these ids; it never names a path.
 */
public record ServedModel(String id, String name, Model model) {

    public ServedModel {
        if (!id.matches("[a-z0-9][a-z0-9._-]*")) throw new IllegalArgumentException("not a model id: " + id);
    }

    /**
     * Models under ids made from their names: lower case, every run of other characters as one
     * "-", and "-2", "-3" … after a name met before.
     */
    public static List<ServedModel> named(List<String> names, List<Model> models) {
        if (names.size() != models.size()) throw new IllegalArgumentException("one name per model");
        Set<String> taken = new HashSet<>();
        List<ServedModel> out = new ArrayList<>(models.size());
        for (int i = 0; i < models.size(); i++) {
            String base = names.get(i).toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9._]+", "-").replaceAll("^[-._]+|-+$", "");
            if (base.isEmpty()) base = "model";
            String id = base;
            for (int k = 2; !taken.add(id); k++) id = base + "-" + k;
            out.add(new ServedModel(id, names.get(i), models.get(i)));
        }
        return List.copyOf(out);
    }
}
