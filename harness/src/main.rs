fn main() {
    let model = std::env::args().nth(1).unwrap();
    let out = std::env::args().nth(2).unwrap();
    let files = cognate::model::import::import(&std::fs::read_to_string(model).unwrap()).unwrap();
    for (p, t) in files {
        let p = std::path::Path::new(&out).join(p);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, t).unwrap();
    }
}
